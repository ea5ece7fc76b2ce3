# Inputs shared by every mlx target (aws, azure, gcp, local).

variable "name" {
  description = "Deployment name: DNS-safe, used for every object mlx creates."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "The name must be DNS-safe: lower-case letters, digits and dashes, at most 40 characters."
  }
}

variable "region" {
  description = "Region to deploy in."
  type        = string
}

variable "instance_type" {
  description = "Node size (instance type, VM size or machine type) chosen by the quote."
  type        = string
}

variable "node_count" {
  description = "Number of nodes of instance_type."
  type        = number
  default     = 1
}

variable "gpu_count" {
  description = "GPUs per node (0 = CPU only)."
  type        = number
  default     = 0
}

variable "gpu_type" {
  description = "GPU model of the node in the catalogue's names, e.g. \"L4\"; empty for CPU only."
  type        = string
  default     = ""
}

variable "image" {
  description = "Container image serving the model."
  type        = string
}

variable "port" {
  description = "Port the model listens on inside its container."
  type        = number
  default     = 8080
}

variable "env" {
  description = "Environment variables for the model container."
  type        = map(string)
  default     = {}
}

variable "replicas" {
  description = "Model replicas behind the endpoint."
  type        = number
  default     = 1
}

variable "replica_gpu_count" {
  description = "GPUs each replica requests (its limit)."
  type        = number
  default     = 0
}

variable "cpu" {
  description = "vCPUs each replica requests."
  type        = number
  default     = 1
}

variable "memory_mib" {
  description = "Memory in MiB each replica requests."
  type        = number
  default     = 1024
}

variable "disk_size_gib" {
  description = "Disk per node in GiB."
  type        = number
  default     = 50
}

variable "spot" {
  description = "Use spot/preemptible capacity for the nodes."
  type        = bool
  default     = false
}

variable "health_path" {
  description = "HTTP path that answers 200 when the model is ready."
  type        = string
  default     = "/health"
}

variable "command" {
  description = "Command overriding the image's entry point; empty keeps the image's."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags/labels put on every object this module creates."
  type        = map(string)
  default     = {}
}

# Inputs only the Azure target has.

variable "system_vm_size" {
  description = "VM size of AKS's system node pool (one node; the model runs on its own pool)."
  type        = string
  default     = "Standard_B2s"
}

variable "kubernetes_version" {
  description = "AKS Kubernetes version; null takes the region's default."
  type        = string
  default     = null
}
