ferry::include_glue!();
