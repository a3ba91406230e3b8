-- Communalities (公因子方差): initial (1 for principal components) and extracted.
{{ artifact_table('communality') }}
