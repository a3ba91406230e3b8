-- Standardised canonical discriminant function coefficients (标准化典型判别函数系数) and the
-- structure matrix (结构矩阵) of SPSS DISCRIMINANT: per input and canonical function, the
-- input's weight in the function (raw coefficient times the input's pooled within-group
-- standard deviation) and its pooled within-group correlation with the function.
{{ artifact_table(['canonical_coefficient', 'structure_matrix']) }}
