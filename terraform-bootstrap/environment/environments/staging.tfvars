# Hand-written, non-secret settings of the staging environment (placeholders until the first apply).
# Account and region are those of the cluster config puts staging on (its VPC holds the data stores).
environment    = "staging"
aws_account_id = "111111111111"
region         = "us-east-2"
