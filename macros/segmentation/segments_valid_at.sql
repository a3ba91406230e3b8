{#
    Each customer's group per scheme at given as-of dates, from the segment history: the
    history row whose period [valid_from_as_of_date, valid_to_as_of_date) holds the date.

    Arguments: _segmentation__macros.yml (beside this file).
#}
{% macro segments_valid_at(history, dates, date_column) %}
    select
        {{ history }}.customer_id,
        {{ history }}.scheme,
        {{ history }}.segment_code,
        {{ dates }}.{{ date_column }}
    from {{ history }}
    inner join {{ dates }}
        on
            {{ history }}.scheme = {{ dates }}.scheme
            and {{ history }}.valid_from_as_of_date <= {{ dates }}.{{ date_column }}
            and (
                {{ history }}.valid_to_as_of_date is null
                or {{ history }}.valid_to_as_of_date > {{ dates }}.{{ date_column }}
            )
{% endmacro %}
