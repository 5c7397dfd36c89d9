# Hand-written, non-secret settings of the production environment (placeholders until the first apply).
# Account and region are those of the cluster config puts production on (its VPC holds the data stores).
environment    = "production"
aws_account_id = "111111111111"
region         = "us-east-2"
