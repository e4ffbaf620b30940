//! The playground image's local ingress and egress, and a local StateFun built from a
//! module.yaml.
