output "endpoint_url" {
  description = "Base URL of the model behind the load balancer."
  value = format("http://%s", coalesce(
    try(kubernetes_service_v1.model.status[0].load_balancer[0].ingress[0].hostname, ""),
    try(kubernetes_service_v1.model.status[0].load_balancer[0].ingress[0].ip, ""),
  ))
}

output "namespace" {
  description = "Namespace holding the model's objects."
  value       = kubernetes_namespace_v1.model.metadata[0].name
}

output "service_name" {
  description = "Name of the LoadBalancer Service."
  value       = kubernetes_service_v1.model.metadata[0].name
}
