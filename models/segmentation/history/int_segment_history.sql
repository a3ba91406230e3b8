-- One row per customer, scheme and period in one group, by as-of date: the snapshot's rows
-- with the as-of date each started and the as-of date the next one started (exclusive).
-- On Spark the periods come from segment_assignment_log: the rows where the group differs
-- from the customer's previous as-of date, which are the rows the snapshot's check on
-- segment_code keeps.
with

{% if target.type == 'spark' %}
assignment_log as (

    select * from {{ ref('segment_assignment_log') }}

),

with_previous as (

    select
        customer_id,
        scheme,
        segment_code,
        as_of_date,
        lag(segment_code) over (
            partition by customer_id, scheme order by as_of_date
        ) as previous_segment_code
    from assignment_log

),

snapshot_rows as (

    select
        customer_id,
        scheme,
        segment_code,
        as_of_date,
        as_of_date as dbt_valid_from
    from with_previous
    where previous_segment_code is null or previous_segment_code != segment_code

),
{% else %}
    snapshot_rows as (

        select * from {{ ref('customer_segments_snapshot') }}

    ),
{% endif %}

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
