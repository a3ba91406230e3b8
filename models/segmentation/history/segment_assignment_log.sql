{{
    config(
        materialized='incremental',
        enabled=target.type == 'spark',
        incremental_strategy='insert_overwrite',
        partition_by=['as_of_date'],
        full_refresh=false,
    )
}}
-- The segment history on Spark, which has no dbt snapshot of Parquet tables: every build's
-- group of every customer, one partition per as-of date; a build replaces its own date's
-- partition. int_segment_history keeps the rows where the group changed, which are the rows
-- the snapshot customer_segments_snapshot holds on DuckDB. Spark puts the partition column
-- last.
with

assignments as (

    select * from {{ ref('int_segment_assignments') }}

),

final as (

    select
        customer_id,
        scheme,
        model_id,
        segment_code,
        assignment_method,
        as_of_date
    from assignments

)

select * from final
