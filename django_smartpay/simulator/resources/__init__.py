"""Business rules, one module per Smartpay resource (spec §3, §11)."""
