-- Log determinants (对数行列式, SPSS DISCRIMINANT's table beside Box's M): the rank and the
-- natural log of the determinant of each K-means group's covariance matrix of the inputs'
-- z-scores, and of the pooled within-group one (segment_code = 'pooled').
with

log_determinants as (

    {{ artifact_table('log_determinant') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        segment_code,
        rank as covariance_rank,
        log_determinant
    from log_determinants

)

select * from final
