"""autodevops: deployment logs in, one ready-to-apply fix out."""
