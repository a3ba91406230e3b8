-- Component score coefficient matrix (成分得分系数矩阵): factor score = sum of the inputs'
-- z-scores times these coefficients (regression method, W = R^-1 x loadings).
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
        column_key as factor,
        value as coefficient
    from artifacts
    where artifact = 'factor_score_coefficient'

)

select * from final
