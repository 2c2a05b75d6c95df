terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.20.0, < 7.0.0"
    }
  }

  # State in a GCS bucket made beforehand (one per project):
  #   terraform init -backend-config="bucket=<state bucket>" -backend-config="prefix=followup"
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = var.labels
}
