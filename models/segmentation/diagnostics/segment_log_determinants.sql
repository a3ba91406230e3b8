-- Log determinants (对数行列式, SPSS DISCRIMINANT's table beside Box's M): the rank and the
-- natural log of the determinant of each K-means group's covariance matrix of the inputs'
-- z-scores, and of the pooled within-group one (segment_code = 'pooled').
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'log_determinant'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'segment_code',
        [
            'rank',
            'log_determinant',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        segment_code,
        cast(rank as integer) as covariance_rank,
        log_determinant
    from pivoted

)

select * from final
