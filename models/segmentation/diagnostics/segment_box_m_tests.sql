-- Box's M test of equality of covariance matrices (协方差矩阵的均等性箱式检验, SPSS
-- DISCRIMINANT's "Test Results"): do the K-means groups share one covariance matrix of the
-- inputs' z-scores, the assumption of Fisher's linear functions? Groups with a singular
-- covariance are left out of the test, as the note says.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'box_m_test'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'test',
        [
            'box_m',
            'f',
            'df1',
            'df2',
            'p_value',
            'groups_used',
        ],
        ['note'],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        box_m,
        f,
        cast(df1 as integer) as df1,
        df2,
        p_value,
        cast(groups_used as integer) as groups_used,
        note
    from pivoted

)

select * from final
