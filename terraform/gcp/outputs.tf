output "endpoint_url" {
  description = "Base URL of the model's HTTP endpoint."
  value       = module.service.endpoint_url
}

output "cluster_name" {
  description = "Name of the Kubernetes cluster running the model."
  value       = local.cluster_name
}

output "kubeconfig" {
  description = "Kubeconfig for the cluster."
  value       = local.kubeconfig
  sensitive   = true
}
