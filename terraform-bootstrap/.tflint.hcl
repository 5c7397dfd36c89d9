# tflint (pinned in scripts/install-tools) with its bundled `terraform` ruleset: every rule of it,
# none of which needs a provider plugin, so `npm run lint:terraform` runs offline. It lints both
# root modules and each local module (scripts/lint-terraform runs it with --recursive), and
# evaluates the calls of the local modules from the roots.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}

# Files are split by responsibility (README.md "Files": kms.tf, vpc.tf, rds.tf, …) and each local
# module is one main.tf that owns one property, so the main.tf/variables.tf/outputs.tf layout does not apply.
rule "terraform_standard_module_structure" {
  enabled = false
}
