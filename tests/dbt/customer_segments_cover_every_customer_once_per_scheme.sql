-- Every customer of customer_indicators has exactly one segment in every scheme: nothing is
-- dropped and nothing doubled.
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

current_models as (

    select * from {{ ref('int_segment_current_models') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

expected as (

    select
        indicators.customer_id,
        current_models.scheme
    from indicators
    cross join current_models

),

found as (

    select
        customer_id,
        scheme,
        count(*) as rows_found
    from segments
    group by customer_id, scheme

)

select
    coalesce(expected.customer_id, found.customer_id) as customer_id,
    coalesce(expected.scheme, found.scheme) as scheme,
    coalesce(found.rows_found, 0) as rows_found
from expected
full outer join found
    on
        expected.customer_id = found.customer_id
        and expected.scheme = found.scheme
where expected.customer_id is null or coalesce(found.rows_found, 0) != 1
