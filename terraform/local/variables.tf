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
  description = "Where to deploy; the local target only knows \"localhost\"."
  type        = string
  default     = "localhost"
}

variable "instance_type" {
  description = "Node size; the local target only knows \"host\" (this machine)."
  type        = string
  default     = "host"
}

variable "node_count" {
  description = "Number of nodes; the local target has exactly one, this machine."
  type        = number
  default     = 1
}

variable "gpu_count" {
  description = "GPUs per node (0 = CPU only)."
  type        = number
  default     = 0
}

variable "gpu_type" {
  description = "GPU model the node must have, e.g. \"L4\"; empty for CPU only."
  type        = string
  default     = ""
}

variable "image" {
  description = "Container image serving the model (used when Docker answers)."
  type        = string
  default     = ""
}

variable "port" {
  description = "Port the model listens on inside its container."
  type        = number
  default     = 8080
}

variable "env" {
  description = "Environment variables for the model process or container."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key, value in var.env : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", key)) && !can(regex("\n", value))])
    error_message = "Environment variable names must be shell identifiers and values must fit on one line."
  }
}

variable "replicas" {
  description = "Model replicas; the local target runs one behind its endpoint."
  type        = number
  default     = 1
}

variable "replica_gpu_count" {
  description = "GPUs each replica requests (its limit)."
  type        = number
  default     = 0
}

variable "disk_size_gib" {
  description = "Disk per node in GiB; the local target uses the host's disk."
  type        = number
  default     = 50
}

variable "spot" {
  description = "Use spot/preemptible capacity; the local target has none."
  type        = bool
  default     = false
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

variable "health_path" {
  description = "HTTP path that answers 200 when the model is ready."
  type        = string
  default     = "/health"
}

variable "tags" {
  description = "Labels put on every object this module creates."
  type        = map(string)
  default     = {}
}

# Inputs only the local target has.

variable "runtime" {
  description = "\"docker\", \"process\", or \"auto\" (Docker when a daemon answers and an image is set, else a process)."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "docker", "process"], var.runtime)
    error_message = "The runtime must be \"auto\", \"docker\" or \"process\"."
  }
}

variable "command" {
  description = "Command (argv) that serves the model as a local process; it must listen on $PORT (= host_port)."
  type        = list(string)
  default     = []
}

variable "workdir" {
  description = "Directory the local process starts in (the model.yaml's directory)."
  type        = string
}

variable "state_dir" {
  description = "Directory where the target keeps its pid or container id and the model's log."
  type        = string
}

variable "host_port" {
  description = "Port on 127.0.0.1 where the endpoint answers."
  type        = number
}

variable "node_cpus" {
  description = "vCPUs the chosen node has; the host must have at least as many."
  type        = number
  default     = 1
}
