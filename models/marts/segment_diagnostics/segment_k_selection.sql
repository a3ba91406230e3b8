-- Quality of K-means over a range of k, to choose k: inertia (elbow), silhouette and
-- Calinski-Harabasz (higher is better), Davies-Bouldin (lower is better).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'k_selection'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'k',
        [
            'inertia',
            'silhouette',
            'calinski_harabasz',
            'davies_bouldin',
            'sample_size',
            'silhouette_sample_size',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        cast(k as integer) as k,
        inertia,
        silhouette,
        calinski_harabasz,
        davies_bouldin,
        cast(sample_size as bigint) as sample_size,
        cast(silhouette_sample_size as bigint) as silhouette_sample_size
    from pivoted

)

select * from final
