# Hand-written, non-secret settings of the cluster `flextime` (placeholders until the first apply).
cluster            = "flextime"
aws_account_id     = "111111111111"
region             = "us-east-2"
public_api_cidrs   = ["198.51.100.0/24"]
sso_admin_role_arn = "arn:aws:iam::111111111111:role/AWSReservedSSO_PlatformAdmin_0000000000000000"
sso_client_id      = "flextime-eks"
dns_zone_ids       = ["Z00000000000000000001"]
