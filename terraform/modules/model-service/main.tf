# The Kubernetes side shared by every cloud: a namespace, the model's
# Deployment (resource and GPU limits, probes) and a LoadBalancer Service.

locals {
  labels   = merge(var.labels, { "app.kubernetes.io/name" = var.name, "app.kubernetes.io/managed-by" = "mlx" })
  selector = { "app.kubernetes.io/name" = var.name }
  gpu      = var.gpu_count > 0 ? { "nvidia.com/gpu" = tostring(var.gpu_count) } : {}
}

resource "kubernetes_namespace_v1" "model" {
  metadata {
    name   = var.name
    labels = local.labels
  }
}

resource "kubernetes_deployment_v1" "model" {
  metadata {
    name      = var.name
    namespace = kubernetes_namespace_v1.model.metadata[0].name
    labels    = local.labels
  }

  spec {
    replicas = var.replicas

    selector {
      match_labels = local.selector
    }

    template {
      metadata {
        labels = local.labels
      }

      spec {
        container {
          name    = "model"
          image   = var.image
          command = length(var.command) > 0 ? var.command : null

          port {
            container_port = var.port
          }

          dynamic "env" {
            for_each = var.env
            content {
              name  = env.key
              value = env.value
            }
          }

          resources {
            requests = merge({ cpu = tostring(var.cpu), memory = "${var.memory_mib}Mi" }, local.gpu)
            limits   = merge({ memory = "${var.memory_mib}Mi" }, local.gpu)
          }

          readiness_probe {
            http_get {
              path = var.health_path
              port = var.port
            }
            period_seconds    = 5
            failure_threshold = 3
          }

          liveness_probe {
            http_get {
              path = var.health_path
              port = var.port
            }
            initial_delay_seconds = 60
            period_seconds        = 15
            failure_threshold     = 4
          }
        }

        node_selector = var.node_selector

        dynamic "toleration" {
          for_each = var.tolerations
          content {
            key      = toleration.value.key
            operator = "Equal"
            value    = toleration.value.value
            effect   = toleration.value.effect
          }
        }

        dynamic "toleration" {
          for_each = var.gpu_count > 0 ? [1] : []
          content {
            key      = "nvidia.com/gpu"
            operator = "Exists"
            effect   = "NoSchedule"
          }
        }
      }
    }
  }

  wait_for_rollout = true
}

resource "kubernetes_service_v1" "model" {
  metadata {
    name      = var.name
    namespace = kubernetes_namespace_v1.model.metadata[0].name
    labels    = local.labels
  }

  spec {
    type     = "LoadBalancer"
    selector = local.selector

    port {
      port        = 80
      target_port = var.port
    }
  }

  wait_for_load_balancer = true
}

# EKS and AKS GPU nodes need NVIDIA's device plugin to offer nvidia.com/gpu.
resource "kubernetes_daemon_set_v1" "nvidia_device_plugin" {
  count = var.nvidia_device_plugin ? 1 : 0

  metadata {
    name      = "nvidia-device-plugin"
    namespace = "kube-system"
    labels    = local.labels
  }

  spec {
    selector {
      match_labels = { "name" = "nvidia-device-plugin" }
    }

    template {
      metadata {
        labels = { "name" = "nvidia-device-plugin" }
      }

      spec {
        priority_class_name = "system-node-critical"

        toleration {
          key      = "nvidia.com/gpu"
          operator = "Exists"
          effect   = "NoSchedule"
        }

        container {
          name  = "nvidia-device-plugin"
          image = "nvcr.io/nvidia/k8s-device-plugin:v0.17.0"

          security_context {
            allow_privilege_escalation = false
            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "device-plugin"
            mount_path = "/var/lib/kubelet/device-plugins"
          }
        }

        volume {
          name = "device-plugin"
          host_path {
            path = "/var/lib/kubelet/device-plugins"
          }
        }
      }
    }
  }
}
