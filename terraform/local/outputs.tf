output "endpoint_url" {
  description = "Base URL of the model's HTTP endpoint."
  value       = "http://127.0.0.1:${var.host_port}"
  depends_on  = [null_resource.model]
}

output "cluster_name" {
  description = "Name of the cluster running the model; the local target reports the host."
  value       = "localhost"
}

output "kubeconfig" {
  description = "Kubeconfig for the cluster; empty for the local target."
  value       = ""
  sensitive   = true
}
