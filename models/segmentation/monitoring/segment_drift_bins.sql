-- One row per scheme, drift measure and bin: the share of today's population in the bin beside
-- the share at fit time, and the bin's term of the population stability index (PSI).
--   input measures (drift_measure = the input): the decile bins of each model input's z-score
--     stored with the model (segment_input_reference_bins), today's z-scores of the model's
--     inputs (int_segment_inputs_standardised, the stored standardisation);
--   the segment measure (drift_measure = 'segment_share'): each segment's share of the
--     K-means-assigned customers now beside its share at fit (segment_cluster_sizes).
-- Today's population is the one the model would be fitted on today: the customers scored by
-- K-means (open, not an outlier, a full history), with the current model of their scheme.
-- psi_term = (p_now - p_fit) * ln(p_now / p_fit), each share floored at var
-- drift_psi_min_share first, so that an empty bin gives a large but finite term.
{%- set floor = var('drift_psi_min_share') %}
with

assignments as (

    select * from {{ ref('int_segment_assignments') }}

),

standardised_inputs as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

reference_bins as (

    select * from {{ ref('segment_input_reference_bins') }}

),

cluster_sizes as (

    select * from {{ ref('segment_cluster_sizes') }}

),

population as (

    select
        customer_id,
        scheme,
        as_of_date,
        model_id,
        segment_code
    from assignments
    where assignment_method = 'kmeans'

),

population_sizes as (

    select
        scheme,
        model_id,
        max(as_of_date) as as_of_date,
        count(*) as customers_now
    from population
    group by scheme, model_id

),

-- One row per customer, scheme and input the model takes: today's z-score.
input_values as (

    {%- for column in indicator_columns() %}
        select
            population.customer_id,
            population.scheme,
            population.model_id,
            '{{ column }}' as input_name,
            standardised_inputs.z_{{ column }} as z_score
        from population
        inner join standardised_inputs
            on
                population.customer_id = standardised_inputs.customer_id
                and population.scheme = standardised_inputs.scheme
        where standardised_inputs.z_{{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

input_bin_counts as (

    select
        reference_bins.model_id,
        reference_bins.input_name,
        reference_bins.bin,
        count(input_values.customer_id) as customers_now
    from reference_bins
    left join input_values
        on
            reference_bins.model_id = input_values.model_id
            and reference_bins.input_name = input_values.input_name
            and (
                reference_bins.lower_edge is null
                or reference_bins.lower_edge < input_values.z_score
            )
            and (
                reference_bins.upper_edge is null
                or reference_bins.upper_edge >= input_values.z_score
            )
    group by reference_bins.model_id, reference_bins.input_name, reference_bins.bin

),

input_bins as (

    select
        population_sizes.scheme,
        population_sizes.as_of_date,
        population_sizes.model_id,
        'input' as measure_type,
        reference_bins.input_name as drift_measure,
        cast(reference_bins.bin as string) as bin_label,
        reference_bins.bin as bin_number,
        reference_bins.lower_edge,
        reference_bins.upper_edge,
        reference_bins.fit_share,
        input_bin_counts.customers_now,
        input_bin_counts.customers_now / population_sizes.customers_now as current_share
    from population_sizes
    inner join reference_bins
        on population_sizes.model_id = reference_bins.model_id
    inner join input_bin_counts
        on
            reference_bins.model_id = input_bin_counts.model_id
            and reference_bins.input_name = input_bin_counts.input_name
            and reference_bins.bin = input_bin_counts.bin

),

segment_counts as (

    select
        model_id,
        segment_code,
        count(*) as customers_now
    from population
    group by model_id, segment_code

),

segment_bins as (

    select
        population_sizes.scheme,
        population_sizes.as_of_date,
        population_sizes.model_id,
        'segment_share' as measure_type,
        'segment_share' as drift_measure,
        cluster_sizes.segment_code as bin_label,
        cast(null as integer) as bin_number,
        cast(null as double) as lower_edge,
        cast(null as double) as upper_edge,
        cluster_sizes.pct / 100 as fit_share,
        coalesce(segment_counts.customers_now, 0) as customers_now,
        coalesce(segment_counts.customers_now, 0) / population_sizes.customers_now as current_share
    from population_sizes
    inner join cluster_sizes
        on population_sizes.model_id = cluster_sizes.model_id
    left join segment_counts
        on
            cluster_sizes.model_id = segment_counts.model_id
            and cluster_sizes.segment_code = segment_counts.segment_code

),

bins as (

    select * from input_bins
    union all
    select * from segment_bins

),

final as (

    select
        *,
        (greatest(current_share, {{ floor }}) - greatest(fit_share, {{ floor }}))
        * ln(greatest(current_share, {{ floor }}) / greatest(fit_share, {{ floor }})) as psi_term
    from bins

)

select * from final
