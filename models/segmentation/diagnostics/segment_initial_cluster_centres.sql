-- Initial cluster centres (初始聚类中心) of the K-means run that produced the model, in model
-- space: factor scores (A) or z-scores (B).
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
        value as initial_centre
    from artifacts
    where artifact = 'initial_cluster_centre'

)

select * from final
