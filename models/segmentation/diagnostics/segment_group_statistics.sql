-- Group statistics (组统计量, SPSS DISCRIMINANT's "Group Statistics"): the mean, standard
-- deviation (n - 1) and unweighted count of each input's z-score in each K-means group, and
-- over all fitted customers (segment_code = 'total').
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'group_statistic'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'group_input',
        [
            'mean',
            'std',
            'n',
        ],
    ) }}

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
        cast(n as bigint) as n
    from pivoted

)

select * from final
