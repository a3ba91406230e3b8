-- Component matrix and rotated component matrix (成分矩阵, 旋转成分矩阵): each input's loading
-- on each factor before and after varimax rotation (scheme A).
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
        max(case when artifact = 'unrotated_loading' then value end) as unrotated_loading,
        max(case when artifact = 'rotated_loading' then value end) as rotated_loading
    from artifacts
    where artifact in ('unrotated_loading', 'rotated_loading')
    group by model_id, scheme, as_of_date, row_key, column_key

)

select * from final
