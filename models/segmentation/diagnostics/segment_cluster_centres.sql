-- Final cluster centres (最终聚类中心) in model space: factor scores (A) or z-scores (B).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        row_key as segment_code,
        column_key as model_variable,
        value as centre
    from artifacts
    where artifact = 'cluster_centre'

)

select * from final
