# Azure target: a resource group, an AKS cluster, a user node pool of the
# chosen VM size (spot when asked), then the shared model service.

locals {
  cluster_name = "mlx-${var.name}"
  tags         = merge(var.tags, { "mlx-deployment" = var.name })
  kubeconfig   = azurerm_kubernetes_cluster.this.kube_config_raw
  kube         = azurerm_kubernetes_cluster.this.kube_config[0]
}

provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "this" {
  name     = local.cluster_name
  location = var.region
  tags     = local.tags
}

resource "azurerm_kubernetes_cluster" "this" {
  name                = local.cluster_name
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  dns_prefix          = local.cluster_name
  kubernetes_version  = var.kubernetes_version
  tags                = local.tags

  default_node_pool {
    name       = "system"
    vm_size    = var.system_vm_size
    node_count = 1
    tags       = local.tags
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin    = "azure"
    load_balancer_sku = "standard"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "model" {
  name                  = "model"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  vm_size               = var.instance_type
  node_count            = var.node_count
  os_disk_size_gb       = var.disk_size_gib
  priority              = var.spot ? "Spot" : "Regular"
  eviction_policy       = var.spot ? "Delete" : null
  spot_max_price        = var.spot ? -1 : null
  node_labels           = { "mlx-deployment" = var.name }
  node_taints           = var.spot ? ["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"] : []
  tags                  = local.tags
}

provider "kubernetes" {
  host                   = local.kube.host
  client_certificate     = base64decode(local.kube.client_certificate)
  client_key             = base64decode(local.kube.client_key)
  cluster_ca_certificate = base64decode(local.kube.cluster_ca_certificate)
}

module "service" {
  source = "../modules/model-service"

  name                 = var.name
  image                = var.image
  port                 = var.port
  env                  = var.env
  command              = var.command
  replicas             = var.replicas
  cpu                  = var.cpu
  memory_mib           = var.memory_mib
  gpu_count            = var.replica_gpu_count
  health_path          = var.health_path
  labels               = local.tags
  nvidia_device_plugin = var.gpu_count > 0
  node_selector        = { "mlx-deployment" = var.name }
  tolerations          = var.spot ? [{ key = "kubernetes.azure.com/scalesetpriority", value = "spot", effect = "NoSchedule" }] : []

  depends_on = [azurerm_kubernetes_cluster_node_pool.model]
}
