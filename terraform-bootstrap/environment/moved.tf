# State moves for the resources that now live in ../modules: without them the next apply would
# destroy the environment's KMS key (schedule its deletion), the backup role and the data stores'
# security groups and create new ones. Keep until every environment state has been applied once
# after the move.

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
  from = aws_security_group.db
  to   = module.db_security_group.aws_security_group.this
}

moved {
  from = aws_vpc_security_group_ingress_rule.db_from_cluster
  to   = module.db_security_group.aws_vpc_security_group_ingress_rule.this
}

moved {
  from = aws_security_group.redis
  to   = module.redis_security_group.aws_security_group.this
}

moved {
  from = aws_vpc_security_group_ingress_rule.redis_from_cluster
  to   = module.redis_security_group.aws_vpc_security_group_ingress_rule.this
}
