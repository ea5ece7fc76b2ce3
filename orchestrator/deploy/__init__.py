"""Deploys: provider tfvars -> workspace -> Terraform -> deployment record -> health check."""
