-- Functions at group centroids (组质心处的函数, SPSS DISCRIMINANT's table): each K-means
-- group's mean score on each canonical discriminant function (unstandardised scores, centred
-- on the mean of all fitted customers).
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
        cast(column_key as integer) as discriminant_function,
        value as centroid
    from artifacts
    where artifact = 'group_centroid'

)

select * from final
