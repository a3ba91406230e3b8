-- The priors of Fisher's functions of each model add up to 1, and the customers the
-- discriminant analysis used in each group (segment_group_priors, segment_group_statistics)
-- are the group's customers in segment_cluster_sizes.
with

priors as (

    select * from {{ ref('segment_group_priors') }}

),

group_statistics as (

    select * from {{ ref('segment_group_statistics') }}
    where segment_code != 'total'

),

cluster_sizes as (

    select * from {{ ref('segment_cluster_sizes') }}
    where model_id in (select priors.model_id from priors)

),

prior_totals as (

    select
        model_id,
        sum(prior) as prior_total
    from priors
    group by model_id

),

statistics_sizes as (

    select
        model_id,
        segment_code,
        min(n) as min_n,
        max(n) as max_n
    from group_statistics
    group by model_id, segment_code

),

mismatches as (

    select
        cluster_sizes.model_id,
        cluster_sizes.segment_code,
        'cases do not match cluster size' as problem
    from cluster_sizes
    left join priors
        on
            cluster_sizes.model_id = priors.model_id
            and cluster_sizes.segment_code = priors.segment_code
    left join statistics_sizes
        on
            cluster_sizes.model_id = statistics_sizes.model_id
            and cluster_sizes.segment_code = statistics_sizes.segment_code
    where
        priors.cases_used is distinct from cluster_sizes.n
        or statistics_sizes.min_n is distinct from cluster_sizes.n
        or statistics_sizes.max_n is distinct from cluster_sizes.n

),

bad_totals as (

    select
        model_id,
        null as segment_code,
        'priors do not add up to 1' as problem
    from prior_totals
    where abs(prior_total - 1) > 1e-9

)

select * from mismatches
union all
select * from bad_totals
