"""Step definitions, one small module per business domain. The catalogue is `uat steps`."""
