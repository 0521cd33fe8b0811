"""The company's data: raw schemas, tables, mappers and the dataset registry."""
