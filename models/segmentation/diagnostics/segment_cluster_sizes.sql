-- Number of cases in each cluster (每个聚类中的案例数) of the fitted customers.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'cluster_size'

),

final as (

    {{ pivot_artifact(
        'artifact_rows',
        'segment_code',
        [
            'n',
            'pct',
            'kmeans_cluster_number',
        ],
    ) }}

)

select * from final
