-- Final cluster centres as indicator profiles: the mean raw indicator of each cluster's
-- fitted customers, in the indicators' own units.
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
        column_key as indicator,
        value as mean_value
    from artifacts
    where artifact = 'cluster_profile'

)

select * from final
