-- Component transformation matrix (成分转换矩阵, scheme A): the rotation T that turns the
-- unrotated loadings into the rotated ones, rotated = unrotated x T.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        row_key as unrotated_factor,
        column_key as rotated_factor,
        value as coefficient
    from artifacts
    where artifact = 'component_transformation'

)

select * from final
