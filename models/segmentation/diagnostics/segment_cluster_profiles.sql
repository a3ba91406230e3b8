-- Final cluster centres as indicator profiles: the mean and the median raw indicator of each
-- cluster's fitted customers, in the indicators' own units. The naming rule reads the mean,
-- but the median of the heavy-tailed annual_turnover (segment_naming.criterion says which).
with

profiles as (

    {{ artifact_table(['cluster_profile', 'cluster_median_profile']) }}

),

final as (

    select * from profiles

)

select * from final
