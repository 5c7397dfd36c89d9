# Shared, read-mostly model data for scheduler-svc (solver seeds), mounted through the EFS CSI driver.
resource "aws_efs_file_system" "models" {
  creation_token   = "${local.name}-models"
  encrypted        = true
  kms_key_id       = module.kms.arn
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"

  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }

  tags = { Name = "${local.name}-models" }
}

resource "aws_efs_backup_policy" "models" {
  file_system_id = aws_efs_file_system.models.id
  backup_policy {
    status = "ENABLED"
  }
}

# NFS only from the cluster (nodes and pods share the EKS cluster security group).
module "efs_security_group" {
  source = "../modules/data-store-security-group"

  name                     = "${local.name}-efs"
  description              = "EFS: NFS only from the EKS cluster"
  vpc_id                   = aws_vpc.main.id
  port                     = 2049
  client_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
  rule_description         = "NFS from EKS nodes"
}

resource "aws_efs_mount_target" "models" {
  count           = length(local.zones)
  file_system_id  = aws_efs_file_system.models.id
  subnet_id       = aws_subnet.private[count.index].id
  security_groups = [module.efs_security_group.id]
}

# Clients must mount through a mount target and over TLS (the CSI driver's default).
resource "aws_efs_file_system_policy" "models" {
  file_system_id = aws_efs_file_system.models.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "MountThroughMountTargets"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
        Resource  = aws_efs_file_system.models.arn
        Condition = { Bool = { "elasticfilesystem:AccessedViaMountTarget" = "true" } }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = "*"
        Resource  = aws_efs_file_system.models.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}
