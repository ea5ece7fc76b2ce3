# The local target: the model runs on this machine, in Docker when a daemon
# answers, else as a plain process. Terraform tracks it through null_resource
# provisioners; the scripts keep the pid or container id in var.state_dir.

locals {
  stop_script  = "${path.module}/scripts/stop.sh"
  start_script = "${path.module}/scripts/start.sh"
  env_lines    = join("\n", [for key in sort(keys(var.env)) : "${key}=${var.env[key]}"])
  # Each argument single-quoted for /bin/sh, so the argv reaches the model unchanged.
  command_line = join(" ", [for arg in var.command : "'${replace(arg, "'", "'\\''")}'"])
}

# Created first and recorded in state before the model starts, so a destroy
# after Terraform was killed mid-apply still stops whatever the start script
# launched.
resource "null_resource" "guard" {
  triggers = {
    state_dir   = var.state_dir
    stop_script = local.stop_script
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = ["/bin/sh"]
    command     = self.triggers.stop_script
    environment = {
      MLX_STATE_DIR = self.triggers.state_dir
    }
  }
}

resource "null_resource" "model" {
  depends_on = [null_resource.guard]

  triggers = {
    name        = var.name
    runtime     = var.runtime
    image       = var.image
    command     = local.command_line
    port        = var.port
    host_port   = var.host_port
    env         = local.env_lines
    workdir     = var.workdir
    state_dir   = var.state_dir
    node_cpus   = var.node_cpus
    labels      = jsonencode(merge(var.tags, { "mlx.deployment" = var.name }))
    stop_script = local.stop_script
  }

  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = local.start_script
    environment = {
      MLX_NAME      = var.name
      MLX_RUNTIME   = var.runtime
      MLX_IMAGE     = var.image
      MLX_COMMAND   = local.command_line
      MLX_PORT      = var.port
      MLX_HOST_PORT = var.host_port
      MLX_ENV       = local.env_lines
      MLX_WORKDIR   = var.workdir
      MLX_STATE_DIR = var.state_dir
      MLX_NODE_CPUS = var.node_cpus
      MLX_GPU_COUNT = var.gpu_count
    }
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = ["/bin/sh"]
    command     = self.triggers.stop_script
    environment = {
      MLX_STATE_DIR = self.triggers.state_dir
    }
  }
}
