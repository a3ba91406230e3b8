-- Distances between final cluster centres (最终聚类中心间的距离), in model space.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        row_key as from_segment_code,
        column_key as to_segment_code,
        value as distance
    from artifacts
    where artifact = 'centre_distance'

)

select * from final
