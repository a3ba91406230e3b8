-- Every fitted model has exactly k groups, all with customers and distinct codes (six for
-- scheme A at the default k = 6).
with

model_runs as (

    select * from {{ ref('segment_model_runs') }}

),

cluster_sizes as (

    select * from {{ ref('segment_cluster_sizes') }}

),

groups_per_model as (

    select
        model_id,
        count(distinct segment_code) as distinct_groups,
        count(*) filter (where n > 0) as nonempty_groups
    from cluster_sizes
    group by model_id

)

select
    model_runs.model_id,
    model_runs.k,
    groups_per_model.distinct_groups,
    groups_per_model.nonempty_groups
from model_runs
left join groups_per_model
    on model_runs.model_id = groups_per_model.model_id
where
    groups_per_model.distinct_groups is distinct from model_runs.k
    or groups_per_model.nonempty_groups is distinct from model_runs.k
