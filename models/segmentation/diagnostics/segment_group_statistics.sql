-- Group statistics (组统计量, SPSS DISCRIMINANT's "Group Statistics"): the mean, standard
-- deviation (n - 1) and unweighted count of each input's z-score in each K-means group, and
-- over all fitted customers (segment_code = 'total').
with

group_statistics as (

    {{ artifact_table('group_statistic') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        split_part(group_input, ':', 1) as segment_code,
        split_part(group_input, ':', 2) as input_name,
        mean,
        std as std_deviation,
        n
    from group_statistics

)

select * from final
