# GCP target: a GKE cluster, a node pool of the chosen machine type (with its
# accelerators and GKE-managed NVIDIA drivers when GPUs are asked) in one zone
# of the region, then the shared model service.

locals {
  cluster_name = "mlx-${var.name}"
  labels       = merge(var.tags, { "mlx-deployment" = var.name })
  zone         = data.google_compute_zones.available.names[0]
  kubeconfig = yamlencode({
    apiVersion      = "v1"
    kind            = "Config"
    current-context = local.cluster_name
    clusters = [{
      name    = local.cluster_name
      cluster = { server = "https://${google_container_cluster.this.endpoint}", certificate-authority-data = google_container_cluster.this.master_auth[0].cluster_ca_certificate }
    }]
    contexts = [{ name = local.cluster_name, context = { cluster = local.cluster_name, user = local.cluster_name } }]
    users    = [{ name = local.cluster_name, user = { exec = { apiVersion = "client.authentication.k8s.io/v1beta1", command = "gke-gcloud-auth-plugin", provideClusterInfo = true } } }]
  })
}

provider "google" {
  project = var.project
  region  = var.region
}

data "google_compute_zones" "available" {
  region = var.region
}

data "google_client_config" "current" {}

resource "google_container_cluster" "this" {
  name                     = local.cluster_name
  location                 = var.region
  node_locations           = [local.zone]
  remove_default_node_pool = true
  initial_node_count       = 1
  deletion_protection      = false
  resource_labels          = local.labels
}

resource "google_container_node_pool" "model" {
  name       = "model"
  cluster    = google_container_cluster.this.id
  location   = var.region
  node_count = var.node_count

  node_config {
    machine_type = var.instance_type
    spot         = var.spot
    disk_size_gb = var.disk_size_gib
    labels       = { "mlx-deployment" = var.name }
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]

    dynamic "guest_accelerator" {
      for_each = var.gpu_count > 0 ? [1] : []
      content {
        type  = var.accelerator_type
        count = var.gpu_count
        gpu_driver_installation_config {
          gpu_driver_version = "DEFAULT"
        }
      }
    }
  }
}

provider "kubernetes" {
  host                   = "https://${google_container_cluster.this.endpoint}"
  token                  = data.google_client_config.current.access_token
  cluster_ca_certificate = base64decode(google_container_cluster.this.master_auth[0].cluster_ca_certificate)
}

module "service" {
  source = "../modules/model-service"

  name          = var.name
  image         = var.image
  port          = var.port
  env           = var.env
  command       = var.command
  replicas      = var.replicas
  cpu           = var.cpu
  memory_mib    = var.memory_mib
  gpu_count     = var.replica_gpu_count
  health_path   = var.health_path
  labels        = local.labels
  node_selector = { "mlx-deployment" = var.name }

  depends_on = [google_container_node_pool.model]
}
