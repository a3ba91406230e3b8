-- Final cluster centres as indicator profiles: the mean and the median raw indicator of each
-- cluster's fitted customers, in the indicators' own units. The naming rule reads the mean,
-- but the median of the heavy-tailed annual_turnover (segment_naming.criterion says which).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

means as (

    select * from artifacts
    where artifact = 'cluster_profile'

),

medians as (

    select * from artifacts
    where artifact = 'cluster_median_profile'

),

final as (

    select
        means.model_id,
        means.scheme,
        means.as_of_date,
        means.row_key as segment_code,
        means.column_key as indicator,
        means.value as mean_value,
        medians.value as median_value
    from means
    left join medians
        on
            means.model_id = medians.model_id
            and means.row_key = medians.row_key
            and means.column_key = medians.column_key

)

select * from final
