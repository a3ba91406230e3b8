-- ANOVA of each model variable across the clusters (方差分析): large F = the variable separates them.
{{ artifact_table('anova') }}
