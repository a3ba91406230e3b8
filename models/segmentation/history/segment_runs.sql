{{
    config(
        materialized='incremental',
        incremental_strategy=(
            'insert_overwrite' if target.type == 'spark' else 'delete+insert'
        ),
        unique_key=['as_of_date', 'scheme'],
        partition_by=['as_of_date'],
        full_refresh=false,
    )
}}
-- A build replaces the rows of its as-of date: DuckDB deletes them by the unique key,
-- Spark's Parquet tables overwrite the date's partition (partition_by; DuckDB ignores it).
-- One row per as-of date and scheme that was built: which model scored it and when. The
-- dates segment history and migrations are read at. History: a --full-refresh keeps it
-- (full_refresh=false); run-operation reset_segment_records resets it.
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

current_models as (

    select * from {{ ref('int_segment_current_models') }}

),

as_of_dates as (

    select distinct as_of_date
    from indicators

),

final as (

    select
        as_of_dates.as_of_date,
        current_models.scheme,
        current_models.model_id,
        current_models.as_of_date as model_as_of_date,
        cast('{{ run_started_at.isoformat() }}' as timestamp) as built_at,
        '{{ invocation_id }}' as invocation_id
    from as_of_dates
    cross join current_models

)

select * from final
