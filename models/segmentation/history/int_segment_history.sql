-- One row per customer, scheme and period in one group, by as-of date: the snapshot's rows
-- with the as-of date each started and the as-of date the next one started (exclusive).
with

snapshot_rows as (

    select * from {{ ref('customer_segments_snapshot') }}

),

final as (

    select
        customer_id,
        scheme,
        segment_code,
        as_of_date as valid_from_as_of_date,
        lead(as_of_date) over (
            partition by customer_id, scheme order by dbt_valid_from
        ) as valid_to_as_of_date
    from snapshot_rows

)

select * from final
