-- Tests of equality of group means (组平均值的同等检验, SPSS DISCRIMINANT's table): per input,
-- Wilks' lambda (within-group over total sum of squares of its z-score) and its F test across
-- the K-means groups.
{{ artifact_table('group_means_test') }}
