# State moves for the resources that now live in ../modules: without them the next apply would
# destroy the cluster's KMS key (schedule its deletion), the IRSA roles and the EFS security group
# and create new ones. Keep until every cluster state has been applied once after the move.

moved {
  from = aws_kms_key.main
  to   = module.kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.main
  to   = module.kms.aws_kms_alias.this
}

moved {
  from = aws_iam_role.irsa
  to   = module.irsa.aws_iam_role.this
}

moved {
  from = aws_security_group.efs
  to   = module.efs_security_group.aws_security_group.this
}

moved {
  from = aws_vpc_security_group_ingress_rule.efs_from_cluster
  to   = module.efs_security_group.aws_vpc_security_group_ingress_rule.this
}
