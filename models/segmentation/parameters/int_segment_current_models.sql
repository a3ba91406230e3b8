-- The model each scheme scores with: its latest fit (latest as_of_date, then latest fit time).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

model_runs as (

    select
        model_id,
        scheme,
        as_of_date,
        max(case when column_key = 'fitted_at_utc' then text_value end) as fitted_at_utc
    from artifacts
    where artifact = 'model_run'
    group by model_id, scheme, as_of_date

),

ranked as (

    select
        *,
        row_number() over (
            partition by scheme order by as_of_date desc, fitted_at_utc desc, model_id desc
        ) as recency_rank
    from model_runs

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        fitted_at_utc
    from ranked
    where recency_rank = 1

)

select * from final
