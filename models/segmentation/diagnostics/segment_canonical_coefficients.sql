-- Standardised canonical discriminant function coefficients (标准化典型判别函数系数) and the
-- structure matrix (结构矩阵) of SPSS DISCRIMINANT: per input and canonical function, the
-- input's weight in the function (raw coefficient times the input's pooled within-group
-- standard deviation) and its pooled within-group correlation with the function.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        row_key as input_name,
        cast(column_key as integer) as discriminant_function,
        max(case when artifact = 'canonical_coefficient' then value end)
            as standardised_coefficient,
        max(case when artifact = 'structure_matrix' then value end) as structure_correlation
    from artifacts
    where artifact in ('canonical_coefficient', 'structure_matrix')
    group by model_id, scheme, as_of_date, row_key, column_key

)

select * from final
