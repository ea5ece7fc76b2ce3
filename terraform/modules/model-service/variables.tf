variable "name" {
  description = "Deployment name: namespace, Deployment and Service are named after it."
  type        = string
}

variable "image" {
  description = "Container image serving the model."
  type        = string

  validation {
    condition     = length(var.image) > 0
    error_message = "A cluster deploy needs a container image: set image in model.yaml."
  }
}

variable "port" {
  description = "Port the model listens on inside its container."
  type        = number
}

variable "env" {
  description = "Environment variables for the model container."
  type        = map(string)
  default     = {}
}

variable "command" {
  description = "Command overriding the image's entry point; empty keeps the image's."
  type        = list(string)
  default     = []
}

variable "replicas" {
  description = "Pods serving the model behind the load balancer."
  type        = number
  default     = 1
}

variable "cpu" {
  description = "vCPUs each replica requests."
  type        = number
}

variable "memory_mib" {
  description = "Memory in MiB each replica requests (and is limited to)."
  type        = number
}

variable "gpu_count" {
  description = "NVIDIA GPUs each replica is limited to (0 = none)."
  type        = number
  default     = 0
}

variable "health_path" {
  description = "HTTP path for the readiness and liveness probes."
  type        = string
  default     = "/health"
}

variable "labels" {
  description = "Labels put on every object, tying it to the deployment."
  type        = map(string)
  default     = {}
}

variable "nvidia_device_plugin" {
  description = "Run NVIDIA's device plugin DaemonSet (clusters that do not install it themselves)."
  type        = bool
  default     = false
}

variable "node_selector" {
  description = "Node labels the model's pods must run on (the deployment's own node pool)."
  type        = map(string)
  default     = {}
}

variable "tolerations" {
  description = "Extra taints the model's pods tolerate, e.g. a spot pool's."
  type = list(object({
    key    = string
    value  = string
    effect = string
  }))
  default = []
}
